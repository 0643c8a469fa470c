/** Who performs an admin change: the authenticated operator and where the request came from; no operator for Passcode's own decisions. */
export interface Actor {
  operatorId: string | null;
  username: string;
  ip?: string;
}

/** Passcode itself, for changes no operator asked for (an endpoint disabled after repeated failures). */
export const SYSTEM_ACTOR: Actor = { operatorId: null, username: 'system' };
