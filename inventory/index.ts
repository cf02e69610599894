/**
 * `inventory/`: the tool inventory behind `policy inventory` — which integrations and tools agents
 * use, who uses them, what was decided, a suggested risk per tool, new and unreviewed tools, tools
 * no policy decided and unexpected usage, from recordings and decision logs (read.ts → build.ts,
 * risk.ts) — as text (text.ts), JSON (`policy-inventory/1`, schemas/inventory.schema.json) or one
 * self-contained HTML page (html.ts).
 */
export { readInputs, InputError, type Observed, type ObservedCall } from "./read.js";
export { buildInventory, type Inventory, type InventoryTool } from "./build.js";
export { riskOf, RISKS, type Risk } from "./risk.js";
export { formatInventory } from "./text.js";
export { inventoryHtml } from "./html.js";
