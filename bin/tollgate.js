#!/usr/bin/env node
// The committed CLI bundle (checked by `npm run check-dist`), so `npx tollgate` works right after `npm ci`.
import '../cli/dist/index.js';
