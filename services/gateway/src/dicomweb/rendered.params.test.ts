import { describe, expect, it } from 'vitest';
import { frameIndices, parseViewport, parseWindow, renderedMedia } from './rendered.params.ts';

describe('rendered parameters', () => {
  it('frame numbers are 1-based; out of range names the valid range', () => {
    expect(frameIndices('1,3,16', 16)).toEqual([0, 2, 15]);
    expect(() => frameIndices('0', 16)).toThrow('Frame 0 is out of range: this instance has frames 1 to 16');
    expect(() => frameIndices('1,2', 1)).toThrow('Frame 2 is out of range: this instance has frame 1');
  });

  it('window: center,width with linear by default; widths the function cannot use are 400', () => {
    expect(parseWindow('40,400')).toEqual({ center: 40, width: 400, fn: 'linear' });
    expect(parseWindow('-600.5,1e3,SIGMOID')).toEqual({ center: -600.5, width: 1000, fn: 'sigmoid' });
    expect(parseWindow(undefined)).toBeUndefined();
    expect(() => parseWindow('40,0.5')).toThrow(/at least 1 for linear/);
    expect(parseWindow('40,0.5,linear-exact')?.width).toBe(0.5);
  });

  it('viewport is bounded', () => {
    expect(parseViewport('128,64')).toEqual({ width: 128, height: 64 });
    expect(() => parseViewport('0,10')).toThrow(/between 1 and 4096/);
    expect(() => parseViewport('5000,10')).toThrow(/between 1 and 4096/);
  });

  it('media: PNG by default and for wildcards, JPEG when preferred; the accept query wins over the header', () => {
    expect(renderedMedia(undefined, undefined)).toBe('image/png');
    expect(renderedMedia(undefined, 'image/*')).toBe('image/png');
    expect(renderedMedia(undefined, 'image/jpeg, image/png;q=0.5')).toBe('image/jpeg');
    expect(renderedMedia('image/png', 'image/jpeg')).toBe('image/png');
    expect(() => renderedMedia(undefined, 'image/gif')).toThrow(/image\/png or image\/jpeg/);
  });
});
