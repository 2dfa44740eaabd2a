/**
 * What a seeded account talks about: an online shop's topics (subject, the customer's question,
 * the agent's answer, the customer's follow-up question), its products, and its customers' names.
 */
import type { TicketUser } from '../../src/gorgias/types.js'

export interface Topic {
  subject: string
  tag: string
  ask: string
  answer: string
  again: string
}

export const TOPICS: Topic[] = [
  {
    subject: 'Where is my order #{order}?',
    tag: 'order-status',
    ask: 'Hi, I ordered the {product} last week and it still has not arrived. The tracking page has not moved in days. Can you check what is going on?',
    answer:
      'I checked with the carrier: your parcel is in transit and should reach you within 2 business days. You can follow it here: https://track.acme.test/{order}.',
    again: 'The tracking link still shows the same status. Is there anything else you can do?'
  },
  {
    subject: 'Return request for order #{order}',
    tag: 'returns',
    ask: 'Hello, I would like to return the {product} from order #{order}, it is not what I expected. How do I do that?',
    answer:
      'No problem at all. I have emailed you a prepaid return label; drop the parcel at any post office within 30 days and we will refund you as soon as it reaches our warehouse.',
    again: 'Thanks. Do I need to include the original packaging?'
  },
  {
    subject: 'Wrong size delivered',
    tag: 'returns',
    ask: 'I ordered the {product} in M but received an L. Can you send the right size?',
    answer:
      'Sorry about that mix-up! I have reserved an M for you. Once you confirm your address we will ship it with express delivery, and you can keep the L until the new one arrives.',
    again: 'My address is the same as on the order. When will it ship?'
  },
  {
    subject: 'Refund not received yet',
    tag: 'refund',
    ask: 'You confirmed my return of the {product} two weeks ago but I still have not seen the refund on my card.',
    answer:
      'I can see the refund was issued on our side. Banks usually take 5 to 10 business days to show it; if it is not there by next Friday, reply and I will open a claim with our payment provider.',
    again: 'Still nothing on my statement today.'
  },
  {
    subject: 'Change shipping address for #{order}',
    tag: 'shipping',
    ask: 'I just placed order #{order} but I used my old address. Can you change it before it ships?',
    answer:
      'Good timing, the order had not left the warehouse yet. I have updated the shipping address; you will get a new confirmation email shortly.',
    again: 'I did not get the confirmation email yet.'
  },
  {
    subject: 'Package arrived damaged',
    tag: 'damaged',
    ask: 'The box was crushed and the {product} inside is damaged. I attached photos.',
    answer:
      'I am so sorry it arrived like this. I have sent a replacement free of charge, no need to return the damaged one.',
    again: 'Thank you! Will I get a tracking number for the replacement?'
  },
  {
    subject: 'Discount code not working',
    tag: 'promo',
    ask: 'The code WELCOME10 from your newsletter says it is invalid at checkout for the {product}.',
    answer:
      'That code only applies to full-price items, and the {product} is on sale this week. I have applied a 10% credit to your account instead, usable on your next order.',
    again: 'Can I use the credit on a sale item?'
  },
  {
    subject: 'Do you ship to Canada?',
    tag: 'shipping',
    ask: 'Hi! I would love to order the {product} but I live in Toronto. Do you ship to Canada and how much does it cost?',
    answer:
      'We do! Shipping to Canada is $12 and takes 5 to 8 business days; duties are included at checkout so there is nothing to pay on delivery.',
    again: 'Great, and can I return it from Canada if it does not fit?'
  },
  {
    subject: 'Cancel my order #{order}',
    tag: 'cancellation',
    ask: 'Please cancel order #{order}, I ordered the {product} twice by mistake.',
    answer: 'Done: I cancelled the duplicate order and the refund is on its way to your card.',
    again: 'I still see both charges, can you confirm?'
  },
  {
    subject: 'Sizing question about the {product}',
    tag: 'product-question',
    ask: 'I am usually between M and L. How does the {product} fit?',
    answer:
      'The {product} runs slightly large, so most customers between sizes pick the M. You can exchange it for free if it does not fit.',
    again: 'And is it machine washable?'
  }
]

export const PRODUCTS = [
  'merino wool sweater',
  'trail running shoes',
  'leather weekender bag',
  'ceramic pour-over set',
  'linen bed sheets',
  'waterproof rain jacket',
  'bamboo sunglasses',
  'organic cotton hoodie',
  'cast iron skillet',
  'wireless earbuds'
]

const FIRSTNAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Sophia', 'Mateo', 'Mia', 'Ethan', 'Chloe',
  'Hugo', 'Léa', 'Jonas', 'Amara', 'Kenji', 'Nadia', 'Omar', 'Inès', 'Zoe', 'Felix', 'Hannah',
  'Diego', 'Aisha', 'Tom', 'Clara', 'Ravi', 'Julia', 'Marco', 'Sofia', 'Björn', 'Yuki', 'Grace'
] // prettier-ignore
const LASTNAMES = [
  'Martin', 'Smith', 'Garcia', 'Müller', 'Dubois', 'Rossi', 'Kowalski', 'Nguyen', 'Brown',
  'Silva', 'Johansson', 'Tanaka', 'Okafor', 'Fischer', 'Moreau', 'Patel', 'Novak', 'Costa',
  'Wilson', 'Haddad', 'Larsen', 'Ivanova', 'Murphy', "O'Brien"
] // prettier-ignore

/** A new customer; about one in 16 is known by email only (no name), and greetings must cope. */
export function newCustomer(rand: () => number, n: number): Partial<TicketUser> {
  if (rand() < 0.06) {
    return { email: `orders${1000 + n}@example.com`, name: null, firstname: null, lastname: null }
  }
  const firstname = FIRSTNAMES[Math.floor(rand() * FIRSTNAMES.length)] ?? 'Alex'
  const lastname = LASTNAMES[Math.floor(rand() * LASTNAMES.length)] ?? 'Doe'
  const slug = (s: string): string =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
  return {
    email: `${slug(firstname)}.${slug(lastname)}${n}@example.com`,
    name: `${firstname} ${lastname}`,
    firstname,
    lastname
  }
}
