#!/usr/bin/env node
// The `medgrade` command: Node (>= 22.18) strips the TypeScript types of main.ts as it loads it,
// so nothing is transpiled at start-up.
import '../src/main.ts';
