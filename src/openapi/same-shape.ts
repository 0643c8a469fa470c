/**
 * Compile-time only: `From` is assignable to `To`. Written both ways beside a
 * schema class (`type _A = Assignable<ReturnType<typeof someView>, SomeData>` and
 * the reverse), it fails the type check when the view answers a field the schema
 * does not document, or the other way round.
 */
export type Assignable<To, From extends To> = [To, From];
