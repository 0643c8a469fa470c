import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The node flags of `npm run start:prod` in the package at `root`, for scripts that start the built server as production does. */
export function startProdFlags(root) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    .scripts['start:prod'].split(/\s+/)
    .filter((word) => word.startsWith('--'));
}
