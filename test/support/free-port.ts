// One helper for tests, the bench and the README examples (scripts/free-port.mjs, which says why ports come from below the ephemeral range).
export { freePort } from '../../scripts/free-port.mjs';
