import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send slot's statement (src/verification/verification.statements.ts) runs on
 * its own, without BEGIN and COMMIT around it. When one of the send's caps refuses,
 * the counts the others took and the code the statement wrote must not stay: the
 * statement then calls this function, whose error aborts the statement's implicit
 * transaction, and the caller reads the counts from the error's detail. SQLSTATE
 * PC429 is Passcode's own class, so no other error can be taken for it.
 */
export class SendSlotRefusal1764420000000 implements MigrationInterface {
  name = 'SendSlotRefusal1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION passcode_refuse_send(counts integer[]) RETURNS integer LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = 'PC429', MESSAGE = 'send limit reached', DETAIL = counts::text;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION passcode_refuse_send(integer[])`);
  }
}
