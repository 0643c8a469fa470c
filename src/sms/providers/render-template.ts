/** Fills `${name}` (Aliyun style) and `{name}` placeholders; unknown names stay as they are. */
export function renderTemplate(content: string, params: Record<string, string>): string {
  return content.replace(/\$?\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? params[name] : whole));
}
