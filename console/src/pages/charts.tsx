import { Box, Group, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';

/** One series of a bar chart: its name (the legend) and a Mantine colour variable. */
export interface BarSeries {
  name: string;
  color: string;
}

/** One group of bars: its label on the x axis and one value per series. */
export interface BarGroup {
  label: string;
  values: number[];
}

const HEIGHT = 180;
const TOP = 16;
const BOTTOM = 22;
const LEFT = 36;
/** Beyond this width (in px) the chart scrolls sideways in its box, and the box takes the keyboard focus to scroll it. */
const SCROLL_FROM = 600;

/**
 * A bar chart drawn by hand in SVG (the console has no chart library). To a screen
 * reader it is one image with `label` as its summary; the numbers themselves are
 * in the table the page shows beside it, so nothing is only in the picture.
 */
export function BarChart({ groups, series, label }: { groups: BarGroup[]; series: BarSeries[]; label: string }) {
  const max = Math.max(1, ...groups.flatMap((g) => g.values));
  // A month or less in wide slots; a longer range in narrow ones (a year is about 4,000 px, scrolled).
  const slot = groups.length <= 31 ? 28 : 11;
  const gap = slot >= 24 ? 6 : 3;
  const width = LEFT + Math.max(1, groups.length) * slot + 8;
  const plot = HEIGHT - TOP - BOTTOM;
  const barWidth = (slot - gap) / Math.max(1, series.length);
  // Label every nth group so the labels never overlap, however long the range.
  const every = slot >= 24 ? 1 : Math.ceil(32 / slot);
  // A range wider than the box opens on its latest days, the ones an operator looks at first.
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollLeft = scroller.current.scrollWidth;
  }, [groups.length]);
  const y = (v: number) => TOP + plot - (v / max) * plot;
  return (
    <Box>
      <Box ref={scroller} style={{ overflowX: 'auto' }} tabIndex={width > SCROLL_FROM ? 0 : undefined}>
      <svg role="img" aria-label={label} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} style={{ display: 'block' }}>
        <title>{label}</title>
        <g aria-hidden="true">
          <line x1={LEFT} x2={width} y1={y(0)} y2={y(0)} stroke="var(--mantine-color-gray-5)" strokeWidth={1} />
          <line x1={LEFT} x2={width} y1={y(max)} y2={y(max)} stroke="var(--mantine-color-gray-3)" strokeWidth={0.5} strokeDasharray="2 2" />
          <text x={LEFT - 4} y={y(max) + 4} textAnchor="end" fontSize={10} fill="var(--mantine-color-dimmed)">{max}</text>
          <text x={LEFT - 4} y={y(0) + 4} textAnchor="end" fontSize={10} fill="var(--mantine-color-dimmed)">0</text>
          {groups.map((g, i) => {
            const x0 = LEFT + i * slot + gap / 2;
            return (
              <g key={g.label}>
                {g.values.map((v, s) => (
                  <rect key={s} x={x0 + s * barWidth} y={y(v)} width={Math.max(1, barWidth - 1)} height={y(0) - y(v)} fill={series[s]?.color} />
                ))}
                {(groups.length - 1 - i) % every === 0 && (
                  <text x={x0 + (slot - gap) / 2} y={HEIGHT - 6} textAnchor="middle" fontSize={9} fill="var(--mantine-color-dimmed)">{g.label}</text>
                )}
              </g>
            );
          })}
        </g>
      </svg>
      </Box>
      {series.length > 1 && (
        <Group gap="md" mt={4} aria-hidden="true">
          {series.map((s) => (
            <Group key={s.name} gap={4} wrap="nowrap">
              <Box w={10} h={10} style={{ background: s.color, borderRadius: 2 }} />
              <Text size="xs">{s.name}</Text>
            </Group>
          ))}
        </Group>
      )}
    </Box>
  );
}
