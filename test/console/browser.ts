/**
 * The real browser of the console tests: Debian's `chromium` driven by `playwright-core` (never a
 * downloaded browser), headless, with no background network traffic. Missing under CI=true is a
 * failure; elsewhere the test is skipped with the reason.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Launches chromium, or (outside CI) skips the test when it is not installed. */
export async function launchChromium(ctx: { skip: (note?: string) => void }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    const message = `${CHROMIUM} is not installed (apt-get install chromium)`;
    if (process.env.CI === "true") throw new Error(message);
    ctx.skip(message);
    throw new Error(message);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** A browser context (its own cookies: one person) signed in to the console with `token`. */
export async function signedIn(browser: Browser, base: string, token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Your login token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/approvals$/);
  return { context, page };
}
