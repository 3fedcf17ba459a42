import { PickType } from '@nestjs/swagger';
import { ROW_FILTERS } from '../../metrics/read/row-filter';
import { ReadFilterDto } from '../http/read-filter.dto';

/** The filters of the row-level exports (and of the quality listing): the read filter but departments and categories. */
export class RowFilterDto extends PickType(ReadFilterDto, ROW_FILTERS) {}
