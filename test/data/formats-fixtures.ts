// Small valid files of every format, shared by the format tests and the fuzz test. Each call
// returns a fresh object so tests may mutate it.

/** Two videos (3×4 with 3 frames, 5×6 with 2 frames); RLE (both forms), polygons and points. */
export function ytvisFixture() {
  return {
    info: { description: 'fixture' },
    licenses: [],
    videos: [
      {
        id: 1,
        width: 4,
        height: 3,
        length: 3,
        file_names: ['v1/0.jpg', 'v1/1.jpg', 'v1/2.jpg'],
        extra: 'kept',
      },
      { id: 2, width: 6, height: 5, length: 2, file_names: ['v2/0.jpg', 'v2/1.jpg'] },
    ],
    categories: [
      { id: 1, name: 'cat', supercategory: 'animal' },
      { id: 2, name: 'dog' },
    ],
    annotations: [
      {
        id: 10,
        video_id: 1,
        category_id: 1,
        segmentations: [{ size: [3, 4], counts: '254L' }, null, { size: [3, 4], counts: [2, 5, 4, 1] }],
        areas: [6, null, 6],
        bboxes: [[0, 0, 4, 3], null, [0, 0, 4, 3]],
        iscrowd: 0,
        points: [
          [
            [1.5, 0.5, 1],
            [3.9, 0.1, 0],
          ],
          null,
          [[0.5, 2.5, 1]],
        ],
      },
      {
        id: 11,
        video_id: 2,
        category_id: 2,
        segmentations: [[[1, 1, 4, 1, 4, 3, 1, 3]], null],
        areas: [6, null],
        bboxes: [[1, 1, 3, 2], null],
        iscrowd: 0,
      },
      { id: 12, video_id: 2, category_id: 1, iscrowd: 0, points: [null, [[5.99, 4.99, 1]]] },
    ],
  };
}

export function ytvisResultsFixture() {
  return [
    {
      video_id: 1,
      category_id: 1,
      score: 0.9,
      segmentations: [{ size: [3, 4], counts: '254L' }, null, { size: [3, 4], counts: '<' }],
    },
    { video_id: 2, category_id: 2, score: 0.25, segmentations: [null, { size: [5, 6], counts: '0n0' }] },
  ];
}

export function cocoFixture() {
  return {
    info: { year: 2024 },
    images: [
      { id: 1, width: 4, height: 3, file_name: 'a.jpg' },
      { id: 2, width: 6, height: 5, file_name: 'b.png' },
    ],
    categories: [{ id: 7, name: 'person', supercategory: 'person' }],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 7,
        segmentation: [[1, 0, 3, 0, 3, 2, 1, 2]],
        area: 4,
        bbox: [1, 0, 2, 2],
        iscrowd: 0,
      },
      {
        id: 2,
        image_id: 2,
        category_id: 7,
        segmentation: { size: [5, 6], counts: [10, 5, 15] },
        area: 5,
        bbox: [2, 0, 1, 5],
        iscrowd: 1,
      },
      {
        id: 3,
        image_id: 1,
        category_id: 7,
        segmentation: { size: [3, 4], counts: '254L' },
        area: 6,
        bbox: [0, 0, 4, 3],
        iscrowd: 0,
      },
    ],
  };
}

export function cocoResultsFixture() {
  return [{ image_id: 1, category_id: 7, score: 0.5, segmentation: { size: [3, 4], counts: '254L' } }];
}

/** The per-frame form of ytvisFixture's points, worked out by hand. */
export function pointFramesFixture() {
  const { info, licenses, videos, categories } = ytvisFixture();
  return {
    info,
    licenses,
    videos,
    categories,
    point_frames: [
      {
        id: 1,
        video_id: 1,
        frame_index: 0,
        category_id: 1,
        points: [
          [1.5, 0.5, 1],
          [3.9, 0.1, 0],
        ],
      },
      { id: 2, video_id: 1, frame_index: 2, category_id: 1, points: [[0.5, 2.5, 1]] },
      { id: 3, video_id: 2, frame_index: 1, category_id: 1, points: [[5.99, 4.99, 1]] },
    ],
  };
}
