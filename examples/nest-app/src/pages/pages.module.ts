import { Module } from '@nestjs/common';
import { PageOperator } from './page.operator.js';

/** A second feature module with its own operator. */
@Module({ providers: [PageOperator] })
export class PagesModule {}
