/**
 * Drives the VS Code workbench in the page as a person does: the command palette, quick open, the
 * keyboard; and reads back what the person sees: the token inspector, the Problems panel, the hover,
 * the suggest widget, an output channel. Every wait is bounded and its failure says what was awaited.
 */
import type { Locator, Page } from "playwright-core";

const WAIT = 30_000;

/** The workbench of one page. */
export class Workbench {
  constructor(readonly page: Page) {}

  /** Loads the workbench on `folder` and waits until the explorer shows its files. */
  async open(url: string, folder: string, expectFile: string): Promise<void> {
    await this.page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
    await this.page.locator(".monaco-workbench").waitFor({ timeout: WAIT });
    await this.page.locator(`.explorer-folders-view [aria-label="${expectFile}"]`).first().waitFor({ timeout: WAIT });
  }

  /** Runs a command from the command palette by its title; `then` picks in the quick pick it opens. */
  async command(title: string, then?: string): Promise<void> {
    await this.page.keyboard.press("F1");
    await this.quickInput(`>${title}`, title, then === undefined);
    if (then !== undefined) {
      // The palette's input (`>…`) becomes the command's own quick pick.
      await this.page.waitForFunction(() => {
        const input = document.querySelector<HTMLInputElement>(".quick-input-widget input");
        return input !== null && input.offsetParent !== null && !input.value.startsWith(">");
      }, undefined, { timeout: WAIT });
      await this.quickInput(then, then);
    }
  }

  /** Opens a file at the top of the workspace from the explorer (quick open waits for the file search). */
  async openFile(name: string): Promise<void> {
    await this.page.locator(`.explorer-folders-view [aria-label="${name}"]`).first().dblclick();
    await this.page.locator(`.tabs-container [role="tab"][aria-label^="${name}"]`).waitFor({ timeout: WAIT });
    await this.editor().click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  }

  /** Moves the cursor to `line`:`column` (1-based) of the active editor. */
  async goTo(line: number, column: number): Promise<void> {
    await this.page.keyboard.press("Control+P");
    await this.quickInput(`:${line}:${column}`, undefined);
  }

  /**
   * Types `text` into the quick input and accepts: by clicking the first row that shows `pick`
   * (not Enter, which takes whichever row is focused, e.g. a recently used one), or with Enter.
   */
  private async quickInput(text: string, pick: string | undefined, closes = true): Promise<void> {
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor({ timeout: WAIT });
    await input.fill(text);
    if (pick !== undefined) {
      const row = this.page.locator(".quick-input-list .monaco-list-row", { hasText: pick }).first();
      await row.click({ timeout: WAIT });
    } else {
      await this.page.keyboard.press("Enter");
    }
    if (closes) await this.page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: WAIT });
  }

  /** Saves a screenshot of the page to `file`. */
  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file }).catch(() => undefined);
  }

  /** The active text editor. */
  editor(): Locator {
    return this.page.locator(".editor-instance .monaco-editor").first();
  }

  /** The text of the first visible element matching `selector` once it contains `expected`. */
  async textOf(selector: string, expected: string | RegExp): Promise<string> {
    const loc = this.page.locator(selector, { hasText: expected }).first();
    try {
      await loc.waitFor({ state: "visible", timeout: WAIT });
    } catch {
      const seen = await this.page.locator(selector).allInnerTexts().catch(() => []);
      throw new Error(`no ${selector} containing ${String(expected)} within ${WAIT / 1000} s; seen: ${JSON.stringify(seen)}`);
    }
    // Editors render spaces as no-break spaces.
    return (await loc.innerText()).replace(/\u00a0/g, " ");
  }

  /** The rows of the Problems panel: each row's accessible label (message, position) and its text (with the code). */
  async problems(expected: string): Promise<string[]> {
    await this.command("View: Focus Problems (Errors, Warnings, Infos)");
    await this.textOf(".markers-panel .monaco-list-row", expected);
    return this.page
      .locator(".markers-panel .monaco-list-row")
      .evaluateAll((rows) => rows.map((r) => `${r.getAttribute("aria-label") ?? ""} | ${(r as HTMLElement).innerText.replace(/\s+/g, " ")}`));
  }

  /** The labels of the suggest widget's rows, once it lists `expected`. */
  async suggestions(expected: string): Promise<string[]> {
    // Ctrl+Space in the focused editor (after goTo). Not through the palette: from there the
    // suggest widget did not open.
    await this.page.keyboard.press("Control+Space");
    await this.textOf(".suggest-widget .monaco-list-row", expected);
    const labels = await this.page.locator(".suggest-widget .monaco-list-row .label-name").allInnerTexts();
    await this.page.keyboard.press("Escape");
    return labels;
  }

  /** The hover at the cursor (Show or Focus Hover), once it contains `expected`. */
  async hover(expected: string): Promise<string> {
    await this.command("Show or Focus Hover");
    const text = await this.textOf(".monaco-hover .hover-contents, .monaco-hover .rendered-markdown", expected);
    await this.page.keyboard.press("Escape");
    return text;
  }

  /** The token inspector's text at the cursor (Developer: Inspect Editor Tokens and Scopes). */
  async inspectTokens(expected: string): Promise<string> {
    await this.command("Developer: Inspect Editor Tokens and Scopes");
    const text = await this.textOf(".token-inspect-widget", expected);
    await this.page.keyboard.press("Escape");
    return text;
  }

  /** Shows the output channel `name` in the Output panel and returns its visible lines once one contains `expected`. */
  async outputChannel(name: string, expected: string): Promise<string> {
    await this.command("Output: Show Output Channels...", name);
    return this.textOf(".panel .output-view .view-lines", expected);
  }
}
