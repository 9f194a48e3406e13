// Spec and status classes that exercise every schema feature, shared by the generation tests.
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsDate,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsNotIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

export enum Tier {
  Free = 'free',
  Pro = 'pro',
}

export enum Level {
  Low,
  High,
}

export class Port {
  @Min(1) @Max(65535) @IsInt() port!: number;
  @IsOptional() @IsIn(['TCP', 'UDP']) protocol?: string;
  @IsOptional() @IsString() name?: string;
}

export class Limits {
  @IsOptional() @Matches(/^\d+m$/) cpu?: string;
  @IsOptional() @IsPositive() memoryMb?: number;
}

export class KitchenSpec {
  @JSONSchema({ description: 'Lower-case name.' })
  @IsString()
  @MinLength(3)
  @MaxLength(20)
  @Matches(/^[a-z]+$/)
  name!: string;

  @IsEnum(Tier) tier: Tier = Tier.Free;
  @IsEnum(Level) level!: Level;

  @ValidateNested({ each: true })
  @Type(() => Port)
  @ArrayMinSize(1)
  ports!: Port[];

  @IsOptional() @ValidateNested() @Type(() => Limits) limits?: Limits;
  @IsOptional() @IsDate() @Type(() => Date) expires?: Date;
  @IsOptional() @IsString({ each: true }) @ArrayUnique() tags?: string[];
  @IsOptional() @IsObject() labels?: Record<string, string>;
  @IsBoolean() enabled = true;
  @IsOptional() @IsNumber() ratio?: number;
  @IsOptional() @IsEmail() contact?: string;
  @IsOptional() @IsUrl() homepage?: string;
  @Allow() extra?: unknown;
  @IsString() @IsNotIn(['admin']) user = 'nobody';
}

export class Tree {
  @IsString() name!: string;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Tree) children?: Tree[];
}

export class KitchenStatus {
  @IsInt() readyPorts!: number;
  @IsOptional() @IsString() phase?: string;
}
