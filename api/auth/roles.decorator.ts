import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal';

export const ROLES_KEY = 'svm:roles';

/** The roles that may call a route. Routes without it are public for GET and admin-only for anything else. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
