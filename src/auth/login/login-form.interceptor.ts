import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, type Observable, throwError } from 'rxjs';
import { Random } from '../../common/random.js';
import { clientInfo, requireDomain } from '../../http/request-input.js';
import { InvalidInput } from '../../http/validation.js';
import { answerLogin } from './login-http.js';
import { LoginService } from './login.service.js';

/**
 * The login form is typed by people: when the global ValidationPipe refuses it (LoginForm), the
 * answer is the login page again with a message, not the problem document every other DTO gets.
 * Nest applies pipes inside the interceptor chain, so the pipe's InvalidInput passes here first;
 * anything else goes on to the global filter.
 */
@Injectable()
export class LoginFormRejected implements NestInterceptor {
  constructor(
    private readonly login: LoginService,
    private readonly random: Random,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof InvalidInput)) return throwError(() => error);
        const http = context.switchToHttp();
        const request = http.getRequest<FastifyRequest>();
        const reply = http.getResponse<FastifyReply>();
        const body = request.body as Record<string, unknown> | undefined;
        return from(this.login.rejected(requireDomain(request), error, body?.['request'], clientInfo(request), body?.['interaction']).then((result) => answerLogin(request, reply, result, () => this.random.token())));
      }),
    );
  }
}
