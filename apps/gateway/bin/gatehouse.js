#!/usr/bin/env node
// The `gatehouse` command. Runs the compiled CLI (npm install builds it through the root `prepare`).
import '../dist/cli-entry.js';
