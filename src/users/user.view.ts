import { type UserRow } from './user.js';

/** The v1 user detail (zaihangyun struct.md); fields Passcode does not keep are empty. */
export function userView(u: UserRow): Record<string, unknown> {
  return {
    uid: Number(u.id),
    wechat_openid: null,
    wechat_unionid: null,
    apple_userid: null,
    oaid: u.oaid,
    device_id: u.device_id,
    username: null,
    nickname: null,
    mcode: u.mcode,
    mobile: u.mobile,
    email: null,
    avatar: null,
    gender: null,
    birthday: null,
    country: '',
    province: '',
    city: '',
    reg_ip: u.reg_ip,
    is_forever_vip: 0,
    vip_expired_at: null,
    is_vip: 0,
    version_number: u.version_number,
    channel: u.channel,
    ext_data: null,
    created_at: formatDateTime(new Date(u.created_at)),
  };
}

/** `2025-03-28 16:53:35`, UTC. */
function formatDateTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
