#!/usr/bin/env node
// Entry point of the `spgd` command: the engine is TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./cli/main.ts');
