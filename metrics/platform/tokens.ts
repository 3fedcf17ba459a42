/** Injection token of the application's Knex instance (provided by PlatformModule). */
export const KNEX = Symbol('KNEX');

/** Injection token of the application's Database (driver, location, close; for sessions of its own). */
export const DATABASE = Symbol('DATABASE');
