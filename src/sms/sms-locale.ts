import { type SmsTemplateEntity } from './sms-template.entity.js';

/**
 * The language a destination's country reads by default, for the regions whose
 * default is not English; every other region (GB, US, …) reads English.
 */
const COUNTRY_LOCALES: Readonly<Record<string, string>> = {
  CN: 'zh-CN', TW: 'zh-TW', HK: 'zh-HK', MO: 'zh-MO', SG: 'en', JP: 'ja', KR: 'ko', VN: 'vi', TH: 'th', ID: 'id', MY: 'ms',
  DE: 'de', AT: 'de', CH: 'de', FR: 'fr', BE: 'fr', ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', PE: 'es', IT: 'it', PT: 'pt-PT', BR: 'pt-BR',
  NL: 'nl', PL: 'pl', RU: 'ru', UA: 'uk', TR: 'tr', SA: 'ar', AE: 'ar', EG: 'ar',
};

/** The default language of a destination's region (`zh-CN` for CN, `en` for a region not listed). */
export function countryLocale(country: string | undefined): string | undefined {
  return country === undefined ? undefined : (COUNTRY_LOCALES[country] ?? 'en');
}

const language = (tag: string) => tag.split('-')[0].toLowerCase();

/**
 * The template a route sends in: among the route's template and its account's
 * other enabled templates of the same scene and type that have a language
 * (`localized`), the one for the caller's locale, else for the destination
 * country's default language, else the route's own template (the app's default
 * for the scene). Each wanted tag matches a template's tag exactly (case aside),
 * else by language alone (`en-GB` takes `en`, `zh` takes `zh-CN`).
 */
export function chooseTemplate(own: SmsTemplateEntity, localized: readonly SmsTemplateEntity[], wanted: ReadonlyArray<string | undefined>): SmsTemplateEntity {
  const all = [own, ...localized.filter((t) => t.id !== own.id)].filter((t) => t.locale !== null);
  for (const tag of wanted) {
    if (!tag) continue;
    const exact = all.find((t) => t.locale!.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const sameLanguage = all.find((t) => language(t.locale!) === language(tag));
    if (sameLanguage) return sameLanguage;
  }
  return own;
}
