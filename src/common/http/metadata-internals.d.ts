/*
 * Values of class-transformer and class-validator that their entry points do not
 * export, read by the compiled validators (compiled-dto.ts). The paths are the
 * CommonJS builds the entry points load, so these are the same instances the
 * decorators fill; the types are the packages' own.
 */

declare module 'class-transformer/cjs/storage.js' {
  export const defaultMetadataStorage: import('class-transformer/types/MetadataStorage.js').MetadataStorage;
}

declare module 'class-transformer/cjs/constants/default-options.constant.js' {
  export const defaultOptions: import('class-transformer').ClassTransformOptions;
}

declare module 'class-validator/cjs/validation/ValidationUtils.js' {
  export const ValidationUtils: typeof import('class-validator/types/validation/ValidationUtils.js').ValidationUtils;
}
