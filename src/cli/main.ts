#!/usr/bin/env node
/** The xfrmsim command. */

import { runDemo } from './demo.js';

const [command = 'help'] = process.argv.slice(2);
switch (command) {
  case 'demo':
    process.stdout.write(runDemo());
    break;
  default:
    process.stdout.write('usage: xfrmsim demo\n');
    process.exitCode = command === 'help' || command === '--help' ? 0 : 2;
}
