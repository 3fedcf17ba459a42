/** Injection token of the application's Knex instance (provided by the database module of api/). */
export const KNEX = Symbol('KNEX');
