/** Runs the CLI from sources (tests spawn this with `node --import tsx`). */
import { main } from "../../cli/main.js";

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
