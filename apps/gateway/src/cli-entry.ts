// The process entry of the `gatehouse` command (bin/gatehouse.js runs the compiled copy; tests run
// this file through tsx). Everything testable lives in main().
import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Long-running commands close what they opened; should a stray handle still hold the event loop,
// exit anyway rather than hang a service manager (unref: never delays a clean exit).
setTimeout(() => process.exit(code), 2_000).unref();
