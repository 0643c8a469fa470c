import { ApiProperty } from '@nestjs/swagger';

/** GET /health. */
export class LivenessData {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

/** GET /health/ready when the database answers. */
export class ReadinessData {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ enum: ['up'] }) database: 'up';
}
