import { ApiProperty } from '@nestjs/swagger';

/** POST /api/v3/verify-update-phone-request (seed 002's VerifyUpdatePhoneRequestData). */
export class AuthingUpdatePhoneTokenData {
  @ApiProperty({ description: 'single use; redeem it with POST /api/v3/update-phone' }) updatePhoneToken: string;
  @ApiProperty({ type: 'integer', description: 'seconds the token stays valid', example: 600 }) tokenExpiresIn: number;
}

/** POST /api/v3/update-phone. */
export class AuthingUpdatePhoneData {
  @ApiProperty({ type: 'boolean', enum: [true] }) success: true;
}
