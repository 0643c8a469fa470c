import { ApiProperty } from '@nestjs/swagger';

/** GET /oauth/api/account/imgCode: a new image captcha. */
export class OauthImgCodeData {
  @ApiProperty({ description: 'send it back as `img_code_id`', example: 'MS6A1I' }) img_code_id: string;
  @ApiProperty({ description: 'the image, an SVG data URI', example: 'data:image/svg+xml;base64,PHN2Zy…' }) img: string;
}
