import { formatDecimalMoney, withCheckDigit } from '@keel/core';

/** Departments with their sub-categories and the goods in them, for a realistic generated catalog. */
const DEPARTMENTS: ReadonlyArray<{ name: string; tax: string; unitPrice: [number, number]; aisles: Readonly<Record<string, readonly string[]>> }> = [
  {
    name: 'Food',
    tax: 'reduced',
    unitPrice: [59, 1299],
    aisles: {
      Dairy: ['Whole Milk', 'Semi-skimmed Milk', 'Butter', 'Greek Yoghurt', 'Comté', 'Cheddar', 'Mozzarella', 'Cream', 'Free-range Eggs', 'Kefir'],
      Bakery: ['Baguette', 'Sourdough Loaf', 'Croissant', 'Rye Bread', 'Brioche', 'Bagels', 'Pita Bread', 'Muffins', 'Crackers'],
      Produce: ['Apples', 'Bananas', 'Tomatoes', 'Carrots', 'Lettuce', 'Lemons', 'Avocados', 'Potatoes', 'Onions', 'Strawberries'],
      Pantry: ['Basmati Rice', 'Spaghetti', 'Penne', 'Olive Oil', 'Tomato Sauce', 'Chickpeas', 'Lentils', 'Oat Flakes', 'Honey', 'Peanut Butter'],
      Frozen: ['Pizza Margherita', 'Garden Peas', 'Vanilla Ice Cream', 'Fish Fingers', 'Spinach', 'Berry Mix', 'Chips'],
    },
  },
  {
    name: 'Drinks',
    tax: 'standard',
    unitPrice: [65, 2490],
    aisles: {
      Water: ['Sparkling Water', 'Still Water', 'Mineral Water', 'Lemon Water'],
      Juice: ['Orange Juice', 'Apple Juice', 'Pineapple Juice', 'Tomato Juice', 'Smoothie'],
      Coffee: ['Coffee Beans', 'Ground Coffee', 'Espresso Capsules', 'Instant Coffee', 'Green Tea', 'Earl Grey Tea'],
      Wine: ['Red Wine', 'White Wine', 'Rosé Wine', 'Champagne', 'Prosecco'],
      Beer: ['Lager', 'Craft IPA', 'Stout', 'Wheat Beer', 'Cider'],
    },
  },
  {
    name: 'Household',
    tax: 'standard',
    unitPrice: [99, 1999],
    aisles: {
      Cleaning: ['Dish Soap', 'Laundry Liquid', 'Glass Cleaner', 'Sponges', 'Bleach', 'Floor Cleaner'],
      Paper: ['Paper Towels', 'Toilet Paper', 'Tissues', 'Napkins'],
      Kitchen: ['Bin Bags', 'Cling Film', 'Aluminium Foil', 'Baking Paper', 'Freezer Bags'],
    },
  },
  {
    name: 'Personal care',
    tax: 'standard',
    unitPrice: [149, 2999],
    aisles: {
      Hair: ['Shampoo', 'Conditioner', 'Hair Gel', 'Dry Shampoo'],
      Body: ['Shower Gel', 'Body Lotion', 'Soap Bar', 'Deodorant', 'Sunscreen'],
      Dental: ['Toothpaste', 'Toothbrush', 'Mouthwash', 'Dental Floss'],
    },
  },
];
const BRANDS = [
  'Valley Farm',
  'Nordic Gold',
  'Maison Duval',
  'Green Meadow',
  'Blue Harbor',
  'Sunrise',
  'Alpine Fresh',
  'Casa Verde',
  'Urban Pantry',
  'Old Mill',
  'Riverside',
  'Golden Grain',
  'Pure Leaf',
  'Bright Home',
  'Oak & Stone',
  'Fjord',
  'Terra Nova',
  'Little Orchard',
  'Silver Spoon',
  'Northwind',
];
const QUALIFIERS = ['Organic', 'Classic', 'Premium', 'Light', 'Family Pack', 'Extra', 'Original', 'Fairtrade', 'Local', 'Value', 'Gourmet', 'Natural'];
const SIZES = ['100 g', '250 g', '500 g', '1 kg', '33 cl', '50 cl', '75 cl', '1 L', '1.5 L', 'x4', 'x6', 'x12', '200 ml', '400 ml'];

const ITEMS = DEPARTMENTS.flatMap((d) =>
  Object.entries(d.aisles).flatMap(([aisle, goods]) => goods.map((g) => ({ dept: d, category: `${d.name} > ${aisle}`, good: g }))),
);

export const DEMO_CATALOG_HEADER = 'sku,name,price,cost,tax_class,barcodes,category,brand,unit,active\n';

/** Product number `i` of the demo catalog as one CSV line (deterministic: the same i gives the same product). */
export function demoProductLine(i: number): string {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  const item = ITEMS[h % ITEMS.length] as (typeof ITEMS)[number];
  const brand = BRANDS[(h >>> 7) % BRANDS.length] as string;
  const qualifier = QUALIFIERS[(h >>> 12) % QUALIFIERS.length] as string;
  const size = SIZES[(h >>> 17) % SIZES.length] as string;
  const [lo, hi] = item.dept.unitPrice;
  const price = lo + ((h >>> 3) % (hi - lo));
  const cost = Math.floor((price * (45 + ((h >>> 21) % 30))) / 100);
  const barcode = withCheckDigit(String(400_000_000_000 + i));
  const weighed = item.category === 'Food > Produce' && (h & 3) === 0;
  return `D${String(i).padStart(7, '0')},${brand} ${qualifier} ${item.good} ${size},${formatDecimalMoney(price)},${formatDecimalMoney(cost)},${item.dept.tax},${barcode},${item.category},${brand},${weighed ? 'weight' : 'piece'},true\n`;
}

/** A realistic catalog of `count` products as a CSV byte stream, generated in chunks (never whole in memory). */
export async function* demoCatalogCsv(count: number, from = 0): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(DEMO_CATALOG_HEADER);
  for (let start = from; start < from + count; start += 5_000) {
    let chunk = '';
    for (let i = start; i < Math.min(start + 5_000, from + count); i++) chunk += demoProductLine(i);
    yield enc.encode(chunk);
  }
}
