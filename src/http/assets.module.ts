import { Module } from '@nestjs/common';
import { AssetsController } from './assets.controller.js';
import { HomeController } from './home.controller.js';
import { LanguageController } from './language.controller.js';

@Module({ controllers: [AssetsController, HomeController, LanguageController] })
export class AssetsModule {}
