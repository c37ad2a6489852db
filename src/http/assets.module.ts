import { Module } from '@nestjs/common';
import { AssetsController } from './assets.controller.js';
import { HomeController } from './home.controller.js';

@Module({ controllers: [AssetsController, HomeController] })
export class AssetsModule {}
