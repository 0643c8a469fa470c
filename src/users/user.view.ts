import { type UserRow } from './user.js';

/** struct.md's `reg_from` of a user who registered by SMS login (1=mobile, 2=WeChat, 3=Apple, 4=Huawei, 99=back office). */
const REG_FROM_MOBILE = 1;

/**
 * The v1 user structure (zaihangyun struct.md), every field in its order with its
 * documented type. What Passcode does not keep answers the field's default: an
 * empty string for strings (`password` included: an SMS-registered user has none,
 * and no stored secret is ever shown), 0 for unsigned ints, null for the dates
 * and `ext_data` that have no value. `is_vip` (0: Passcode keeps no VIP) is
 * user_info.md's addition to the structure; login_mobile.md's detail has none.
 */
export function userView(u: UserRow, options: { isVip?: boolean } = {}): Record<string, unknown> {
  return {
    uid: Number(u.id),
    huawei_openid: '',
    huawei_unionid: '',
    wechat_openid: '',
    wechat_unionid: '',
    apple_userid: '',
    oaid: u.oaid ?? '',
    device_id: u.device_id ?? '',
    username: '',
    nickname: '',
    mcode: u.mcode,
    mobile: u.mobile,
    password: '',
    email: '',
    avatar: '',
    gender: 0,
    birthday: null,
    country: '',
    province: '',
    city: '',
    reg_ip: u.reg_ip ?? '',
    is_forever_vip: 0,
    vip_expired_at: null,
    ...(options.isVip ? { is_vip: 0 } : {}),
    enter_pass: '',
    version_number: u.version_number ?? 0,
    channel: u.channel ?? 'official',
    reg_from: REG_FROM_MOBILE,
    ext_data: null,
    created_at: formatDateTime(new Date(u.created_at)),
  };
}

/** `2025-03-28 16:53:35`, UTC. */
function formatDateTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
