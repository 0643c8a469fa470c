/** China time: UTC+8, no daylight saving. Aliyun files messages and both Chinese providers write report times in it. */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** `yyyyMMdd` of an instant in China time (UTC+8, no daylight saving): the SendDate Aliyun files a message under. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** `yyyy-MM-dd HH:mm:ss` in China time, as Aliyun and Tencent write report times; null when it is not one. */
export function parseChinaTime(s: string | null | undefined): Date | null {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) return null;
  const at = new Date(`${s.replace(' ', 'T')}+08:00`);
  if (Number.isNaN(at.getTime())) return null;
  // Date rolls an impossible day over (02-30 is 03-02): such a time is no time.
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19) === s.replace(' ', 'T') ? at : null;
}
