/**
 * What a code is for (DESIGN §5). A code is bound to its scene: a login code never
 * changes a phone number. Each dialect maps its own names onto these.
 */
export const SCENES = ['login', 'register', 'reset_password', 'update_phone', 'verify_old_phone', 'deregister', 'bind_push'] as const;

export type Scene = (typeof SCENES)[number];

export function isScene(value: unknown): value is Scene {
  return typeof value === 'string' && (SCENES as readonly string[]).includes(value);
}
