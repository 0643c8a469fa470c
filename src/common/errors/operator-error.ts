/**
 * A problem only the operator can fix (a setting, the data directory, the keys,
 * the database's encoding): the server and the migration CLI print its message
 * in one line, without a stack, and the database's start does not retry it.
 */
export class OperatorError extends Error {}
