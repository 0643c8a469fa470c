import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches } from 'class-validator';

/** An erasure request for one number: in one app, or in every app when `app_id` is absent. */
export class ErasureDto {
  @ApiProperty({ example: '+8613800000000', description: 'the number to erase, E.164' })
  @IsString() @Matches(/^\+[1-9]\d{6,14}$/, { message: 'phone must be an E.164 number such as +8613800000000' })
  phone: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'erase it in this app only; every app when absent' })
  @IsOptional() @IsUUID()
  app_id?: string;
}
