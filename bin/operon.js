#!/usr/bin/env node
// The `operon` command; the implementation is compiled TypeScript (npm ci builds it).
import '../dist/src/cli/main.js';
