/** Who performs an admin change: the authenticated operator and where the request came from. */
export interface Actor {
  operatorId: string;
  username: string;
  ip?: string;
}
