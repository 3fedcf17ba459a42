import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** The providers of API keys, in the service and in the CLI (which creates, lists and revokes them). */
export const ACCESS_PROVIDERS = [ApiKeysRepository, ApiKeysService];
