import { AppEntity } from './app.entity.js';

/** What the admin API shows of an app. Never a secret, plain or encrypted. */
export function appView(app: AppEntity, now: Date) {
  return {
    id: app.id,
    name: app.name,
    appkey: app.appkey,
    status: app.status,
    login_config: app.loginConfig,
    code_policy: app.codePolicy,
    retention: app.retention,
    previous_secret_valid_until:
      app.previousSecretExpiresAt && app.previousSecretExpiresAt > now ? app.previousSecretExpiresAt.toISOString() : null,
    created_at: app.createdAt.toISOString(),
    updated_at: app.updatedAt.toISOString(),
  };
}

export type AppView = ReturnType<typeof appView>;
