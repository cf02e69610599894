/**
 * The login screen: a person pastes the token `policy console token <person>` gave them. The form
 * carries a one-time value also set as a cookie (login CSRF: another site cannot log a browser in
 * as someone else).
 */
import { html, type Html } from "../html.js";

export function loginBody(loginNonce: string, next: string, error?: string): Html {
  return html`<h1>Sign in</h1>
${error ? html`<p class="flash bad" role="alert">${error}</p>` : ""}
<form method="post" action="/login" class="login">
<input type="hidden" name="nonce" value="${loginNonce}"><input type="hidden" name="next" value="${next}">
<label for="token">Your login token</label>
<input id="token" name="token" type="password" autocomplete="off" required spellcheck="false">
<p class="hint">Ask the operator of the enforcement point for one: <code>policy console token &lt;your name&gt;</code>.</p>
<button type="submit">Sign in</button></form>`;
}
