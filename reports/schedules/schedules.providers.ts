/** The schedules' providers (written with their part of the issue). */
export const SCHEDULE_PROVIDERS: never[] = [];
export const SCHEDULE_EXPORTS: never[] = [];
