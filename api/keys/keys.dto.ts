import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ROLES } from '../auth/principal';

export class CreateKeyDto {
  @ApiProperty({
    enum: ROLES,
    description:
      'admin: everything; submitter: writes for its authorities; analyst: reads supplier-level data; community: an exchange organisation (its needs and matches); supplier: a supplier on the exchange (its pledges and matches)',
  })
  @IsIn(ROLES)
  role!: string;

  @ApiPropertyOptional({ type: [String], example: ['E08000009'], description: 'Authority codes a submitter writes for' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  authorities?: string[];

  @ApiPropertyOptional({ example: 'GB-CHC-1234567', description: 'A community key: the exchange organisation it acts for (org-id identifier)' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  organisation?: string;

  @ApiPropertyOptional({ example: 'GB-COH-01234567', description: 'A supplier key: the supplier it acts for (scheme and identifier)' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  supplier?: string;

  @ApiPropertyOptional({ example: 'Trafford procurement team' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;
}

export class ApiKeyDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'svm_1a2b3c4d', description: 'Public part of the key, safe to show and log' }) prefix!: string;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiProperty({ nullable: true }) label!: string | null;
  @ApiProperty({ type: [String] }) authorities!: string[];
  @ApiProperty({ nullable: true, description: 'A community key: its organisation' }) organisation!: string | null;
  @ApiProperty({ nullable: true, description: 'A supplier key: its supplier' }) supplier!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({ nullable: true }) last_used_at!: Date | null;
  @ApiProperty({ nullable: true }) revoked_at!: Date | null;
}

export class CreatedKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key: shown this once, only its hash is stored' }) key!: string;
}
