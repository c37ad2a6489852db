import { LessThan, type DeleteResult, type FindOptionsWhere, type ObjectLiteral, type Repository, type UpdateResult } from 'typeorm';

// Query shapes several repositories share. Only repositories call these (STYLE.md §5).

/** How many rows a DELETE or UPDATE touched (the pg driver always reports it). */
export function affected(result: DeleteResult | UpdateResult): number {
  return result.affected ?? 0;
}

/** One DELETE of the rows whose expires_at is before `before`; answers how many went. */
export async function deleteExpiredBefore<T extends ObjectLiteral & { expiresAt: Date }>(repository: Repository<T>, before: Date): Promise<number> {
  return affected(await repository.delete({ expiresAt: LessThan(before) } as FindOptionsWhere<T>));
}
