import { type Type as Class } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The paging of an admin list's query, as its service reads it. */
export interface PageQueryFields {
  /** From 1; at most 100,000. */
  page: number;
  /** From 1 to the list's maximum. */
  page_size: number;
}

/**
 * The paging of an admin list: `page` (default 1) and `page_size`, defaulting to
 * `size.default` and at most `size.max`. A list's query is
 * `IntersectionType(PageQuery(…), ItsFilters)`: the mapped type validates and
 * documents the paging first, as each list did when it declared the two fields
 * itself (fields of a plain subclass are validated before inherited ones, which
 * would change the field a request with two bad ones is refused for).
 */
export function PageQuery(size: { default: number; max: number }): Class<PageQueryFields> {
  class PageQueryDto implements PageQueryFields {
    @ApiPropertyOptional({ default: 1 })
    @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100_000)
    page: number = 1;

    @ApiPropertyOptional({ default: size.default, maximum: size.max })
    @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(size.max)
    page_size: number = size.default;
  }
  return PageQueryDto;
}
