import { DialectResolver } from '../common/http/dialect-resolver.js';
import { RestDialect } from '../common/http/rest.dialect.js';
import { EnduserDialect } from './enduser/enduser.dialect.js';
import { AuthingDialect } from './authing/authing.dialect.js';
import { OauthDialect } from './oauth/oauth.dialect.js';
import { V1Dialect } from './v1/v1.dialect.js';

/** Every wire dialect, most specific first; REST (admin, health, docs) answers everything else. */
export function createDialectResolver(): DialectResolver {
  return new DialectResolver([new V1Dialect(), new EnduserDialect(), new OauthDialect(), new AuthingDialect(), new RestDialect()]);
}
