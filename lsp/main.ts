/** Entry point of the bundled language server (vscode-extension/dist/server.js). */
import { startServer } from "./server.js";

startServer();
