import { type FindManyOptions, type ObjectLiteral, type Repository } from 'typeorm';

/** A page of an admin list: 1-based, `pageSize` rows. */
export interface PageRequest {
  page: number;
  pageSize: number;
}

/** The rows of the page `p` of what `options` selects, in its order, and how many it selects in all. */
export async function findPage<E extends ObjectLiteral>(
  repo: Repository<E>,
  options: Pick<FindManyOptions<E>, 'where' | 'order'>,
  p: PageRequest,
): Promise<{ items: E[]; total: number }> {
  const [items, total] = await repo.findAndCount({ ...options, skip: (p.page - 1) * p.pageSize, take: p.pageSize });
  return { items, total };
}
