import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppsModule } from '../apps/apps.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { EventsModule } from '../events/events.module.js';
import { AliyunSmsProvider } from './providers/aliyun/aliyun-sms.provider.js';
import { ConsoleSmsProvider } from './providers/console/console-sms.provider.js';
import { SmsProviderRegistry } from './providers/sms-provider.registry.js';
import { TencentSmsProvider } from './providers/tencent/tencent-sms.provider.js';
import { TwilioSmsProvider } from './providers/twilio/twilio-sms.provider.js';
import { DeliveryPoller } from './delivery-poller.js';
import { SendLogSweeper } from './send-log-sweeper.js';
import { SmsAccountEntity } from './sms-account.entity.js';
import { SmsAdminController } from './sms-admin.controller.js';
import { SmsAppAdminController } from './sms-app-admin.controller.js';
import { SmsBindingEntity } from './sms-binding.entity.js';
import { SmsRouteEntity } from './sms-route.entity.js';
import { SmsAccountsService } from './sms-accounts.service.js';
import { SmsBindingsService } from './sms-bindings.service.js';
import { SmsRoutesService } from './sms-routes.service.js';
import { SmsConfigChanges } from './sms-config-changes.js';
import { SmsCircuitBreaker } from './sms-circuit-breaker.js';
import { SmsConnections } from './sms-connections.js';
import { SmsDeliveryService } from './sms-delivery.service.js';
import { SmsLogService } from './sms-log.service.js';
import { SmsMessageEntity } from './sms-message.entity.js';
import { SmsReceiptsController } from './sms-receipts.controller.js';
import { SmsReceiptsService } from './sms-receipts.service.js';
import { SmsSender } from './sms-sender.js';
import { SmsSignatureEntity } from './sms-signature.entity.js';
import { SmsSignaturesService } from './sms-signatures.service.js';
import { SmsTemplateEntity } from './sms-template.entity.js';
import { SmsTemplatesService } from './sms-templates.service.js';
import { SmsTestSendService } from './sms-test-send.service.js';
import { SmsAccountCache } from './sms-account-cache.js';
import { SmsRouteCache } from './sms-route-cache.js';
import { PhonePseudonyms } from '../retention/phone-pseudonyms.js';
import { SmsRepository } from './sms.repository.js';

/** SMS configuration, delivery, the send log and delivery receipts. Global so any feature can inject `SmsSender`. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([SmsAccountEntity, SmsSignatureEntity, SmsTemplateEntity, SmsBindingEntity, SmsRouteEntity, SmsMessageEntity]),
    AuditModule,
    AppsModule,
    EventsModule,
  ],
  controllers: [SmsAdminController, SmsAppAdminController, SmsReceiptsController],
  providers: [
    SmsRepository,
    SmsRouteCache,
    SmsAccountCache,
    SmsConfigChanges,
    SmsAccountsService,
    SmsSignaturesService,
    SmsTemplatesService,
    SmsBindingsService,
    SmsRoutesService,
    SmsCircuitBreaker,
    SmsDeliveryService,
    SmsTestSendService,
    SmsLogService,
    // Stateless (a key derived from the configuration): the send log's phone search needs the numbers' pseudonyms.
    PhonePseudonyms,
    ConsoleSmsProvider,
    AliyunSmsProvider,
    TencentSmsProvider,
    TwilioSmsProvider,
    SmsProviderRegistry,
    SendLogSweeper,
    SmsConnections,
    SmsReceiptsService,
    DeliveryPoller,
    { provide: SmsSender, useExisting: SmsDeliveryService },
  ],
  exports: [SmsSender],
})
export class SmsModule {}
