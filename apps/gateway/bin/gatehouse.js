#!/usr/bin/env node
// The `gatehouse` command. Runs the compiled CLI (npm install builds it through the root `prepare`).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
