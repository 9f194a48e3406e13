import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

/** An ordinary app service; the Greeting operator gets it by constructor injection. */
@Injectable()
export class GreetingService {
  constructor(private readonly config: AppConfig) {}

  greet(to: string): string {
    return `${this.config.salutation}, ${to}!`;
  }
}
