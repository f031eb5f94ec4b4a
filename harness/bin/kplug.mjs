#!/usr/bin/env node
// kplug entry point: load TypeScript through tsx, then run the CLI.
import {register} from 'tsx/esm/api';

register();
const {main} = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
